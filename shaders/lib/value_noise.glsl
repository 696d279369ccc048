// value_noise: smooth 2D value noise in [0, 1].
// in:  p  2D position; one unit is one noise cell.
// Needs hash21. Cheaper than gradient noise, which matters on software renderers.
#ifndef LIB_VALUE_NOISE
#define LIB_VALUE_NOISE

#include "lib/hash21.glsl"

float value_noise(vec2 p) {
    vec2 cell = floor(p);
    vec2 f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    float a = hash21(cell);
    float b = hash21(cell + vec2(1.0, 0.0));
    float c = hash21(cell + vec2(0.0, 1.0));
    float d = hash21(cell + vec2(1.0, 1.0));
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}

#endif
