// behind_the_line: the room split by the boundary: radiant on one side; behind the line the
// water is dead and people's light is grey, still there, seen, but given no light of its own.
// in:  uv        0..1 across the picture
//      room      the room's own light (lib/room_light.glsl)
//      near      the light of faces and strands here, with their bloom
//      side      0: the left side has access, 1: the right
//      contrast  how starkly the excluded side is drained (disparity.contrast)
// out: linear RGB
// Needs excluded_side, desaturate.
#ifndef LIB_BEHIND_THE_LINE
#define LIB_BEHIND_THE_LINE

#include "lib/excluded_side.glsl"
#include "lib/desaturate.glsl"

vec3 behind_the_line(vec2 uv, vec3 room, vec3 near, float side, float contrast) {
    float excluded = excluded_side(uv, side) * contrast;
    vec3 drained = desaturate(room, 1.0) * (1.0 - 0.7 * contrast) + desaturate(near, 1.0) * 1.1;
    return mix(room + near, drained, excluded);
}

#endif
