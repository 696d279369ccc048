// boundary_wall: brightness of the line that splits the room, cold and thin.
// in:  p        position in picture widths (0..1 across, y 0..1 up)
//      x        where the boundary stands (picture widths)
//      waver    sideways wander of the line at this height (picture widths)
//      flicker  brightness factor of the line here (1 = steady)
// The noisy waver and flicker come from a low-resolution pass (passes/sea.frag), so the
// line itself costs two exponentials per pixel.
#ifndef LIB_BOUNDARY_WALL
#define LIB_BOUNDARY_WALL

float boundary_wall(vec2 p, float x, float waver, float flicker) {
    float d = abs(p.x - x - waver);
    return (exp(-d * d * 60000.0) + 0.25 * exp(-d * d * 2500.0)) * flicker;
}

#endif
