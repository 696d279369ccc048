#version 330 core
// Act 2, disparity: the viral video. A boundary splits the room: on one side the light is
// radiant and alive; behind the line the water is dead and the same smiles are grey, still
// there, seen, but given no light of their own.
#include "lib/room_light.glsl"
#include "lib/present.glsl"
#include "lib/behind_the_line.glsl"

uniform sampler2D u_glow;    // faces and strands (rgb); a: the light of people with access
uniform sampler2D u_bloom;   // the halo of bright light
uniform sampler2D u_growth;  // the living light (passes/grow.frag)
uniform sampler2D u_sea;     // veil, current, hub light, reach (passes/sea.frag)
uniform float u_fade;        // < 1 while this act fades in over the previous one
uniform float u_sea_level;
uniform float u_output_bloom;
uniform float u_side;  // 0: the left side has access, 1: the right
uniform float u_disparity_contrast;

in vec2 v_uv;
out vec4 f_colour;

const vec3 WATER = vec3(0.10, 0.35, 0.45);

void main() {
    vec3 near = texture(u_glow, v_uv).rgb + texture(u_bloom, v_uv).rgb * u_output_bloom;
    vec3 room = room_light(v_uv, near, texture(u_growth, v_uv), texture(u_sea, v_uv), WATER,
                           u_sea_level, 1.0);
    vec3 colour = behind_the_line(v_uv, room, near, u_side, u_disparity_contrast);
    f_colour = vec4(present(colour), u_fade);
}
