// excluded_side: how far a point lies on the side of the boundary without access.
// in:  uv    0..1 across the picture
//      side   0: the left has access, 1: the right
// out: 0 on the radiant side, 1 behind the line, soft over a few pixels.
// Needs wall.
#ifndef LIB_EXCLUDED_SIDE
#define LIB_EXCLUDED_SIDE

#include "lib/wall.glsl"

float excluded_side(vec2 uv, float side) {
    float x = wall_at(uv.y).x;
    float left = 1.0 - smoothstep(x - 0.004, x + 0.004, uv.x);
    return side < 0.5 ? 1.0 - left : left;
}

#endif
