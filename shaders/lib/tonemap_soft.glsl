// tonemap_soft: maps unbounded light to [0, 1) without clipping hues.
// in:  light  linear RGB, any brightness >= 0
// Exponential roll-off: dim light stays linear, bright glows saturate gently,
// which keeps the edge of a bloom soft on a projector.
#ifndef LIB_TONEMAP_SOFT
#define LIB_TONEMAP_SOFT

vec3 tonemap_soft(vec3 light) {
    return vec3(1.0) - exp(-max(light, vec3(0.0)));
}

#endif
