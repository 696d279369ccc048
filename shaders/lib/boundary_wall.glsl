// boundary_wall: brightness of the line that splits the room, cold and thin.
// in:  d        distance from the line (picture widths)
//      pixel    one output pixel in picture widths (the core never gets thinner than one)
// out: brightness, 1 at the core
#ifndef LIB_BOUNDARY_WALL
#define LIB_BOUNDARY_WALL

float boundary_wall(float d, float pixel) {
    float core = max(0.0025, pixel);
    return exp(-d * d / (core * core)) * (0.0025 / core) + 0.3 * exp(-d * d * 1500.0);
}

#endif
