// boundary_wall: brightness of the line that splits the room, cold and thin.
// in:  p        position in picture widths (0..1 across, y 0..1 up)
//      x        where the boundary stands (picture widths)
//      clock    seconds, for the strain
//      strain   0 = a calm line, 1 = it wavers and flickers under pressure
// Needs value_noise.
#ifndef LIB_BOUNDARY_WALL
#define LIB_BOUNDARY_WALL

#include "lib/value_noise.glsl"

float boundary_wall(vec2 p, float x, float clock, float strain) {
    float waver = (value_noise(vec2(p.y * 9.0, clock * 3.0)) - 0.5) * 0.02 * strain;
    float d = abs(p.x - x - waver);
    float flicker = mix(1.0, 0.4 + 1.2 * value_noise(vec2(clock * 23.0, p.y * 40.0)), strain);
    return (exp(-d * d * 60000.0) + 0.25 * exp(-d * d * 2500.0)) * flicker;
}

#endif
