// sparks: tiny points of plankton light, one chance per small cell, each twinkling at its
// own pace. Cheap (hashes only), so it can run per pixel at full resolution.
// in:  p      position in picture heights (x scaled by the aspect ratio)
//      flow   the sea's current at p (0..1, centred on 0.5), so sparks drift with the veil
//      clock  seconds
// out: 0..1
// Needs hash21.
#ifndef LIB_SPARKS
#define LIB_SPARKS

#include "lib/hash21.glsl"

float sparks(vec2 p, float flow, float clock) {
    vec2 grid = p * 90.0 + vec2(flow, flow * 0.7) * 4.0;
    vec2 cell = floor(grid);
    float chance = hash21(cell);
    if (chance < 0.86) return 0.0;
    vec2 spot = fract(grid) - 0.5 - (vec2(hash21(cell + 3.1), hash21(cell + 7.7)) - 0.5) * 0.6;
    float twinkle = 0.5 + 0.5 * sin(clock * (1.0 + 3.0 * chance) + chance * 40.0);
    return exp(-dot(spot, spot) * 60.0) * twinkle;
}

#endif
