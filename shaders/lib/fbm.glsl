// fbm: fractal sum of value noise, in about [0, 1].
// in:  p        2D position
//      octaves  1..6; each octave doubles detail and costs one more noise lookup.
// Each octave is rotated so the layers do not line up along the axes.
#ifndef LIB_FBM
#define LIB_FBM

#include "lib/value_noise.glsl"

float fbm(vec2 p, int octaves) {
    const mat2 turn = mat2(0.8, -0.6, 0.6, 0.8);
    float sum = 0.0;
    float amplitude = 0.5;
    float norm = 0.0;
    for (int i = 0; i < 6; ++i) {
        if (i >= octaves) break;
        sum += amplitude * value_noise(p);
        norm += amplitude;
        p = turn * p * 2.03;
        amplitude *= 0.5;
    }
    return sum / norm;
}

#endif
