// hash21: a cheap, stable pseudo-random number in [0, 1) for a 2D point.
// in:  p  any 2D point (cell coordinates work best)
// out: float in [0, 1); the same p always gives the same number on every GPU.
#ifndef LIB_HASH21
#define LIB_HASH21

float hash21(vec2 p) {
    // Integer-free so it behaves the same on drivers with weak integer support.
    p = fract(p * vec2(123.34, 456.21));
    p += dot(p, p + 45.32);
    return fract(p.x * p.y);
}

#endif
