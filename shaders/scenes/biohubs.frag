#version 330 core
// Act 4, biohubs: a decentralised network. Hubs glow and beat; living light grows out of
// them across their reach, which widens with the crowd's joy, and strands of light join
// them (passes/links). Inside a reach the room is alive; outside, it is still grey.
#include "lib/room_light.glsl"
#include "lib/present.glsl"
#include "lib/desaturate.glsl"

uniform sampler2D u_glow;    // faces and strands (rgb); a: the light of people with access
uniform sampler2D u_bloom;   // the halo of bright light
uniform sampler2D u_growth;  // the living light (passes/grow.frag)
uniform sampler2D u_sea;     // veil, current, hub light, reach (passes/sea.frag)
uniform float u_fade;        // < 1 while this act fades in over the previous one
uniform float u_sea_level;
uniform float u_output_bloom;
uniform float u_disparity_contrast;

in vec2 v_uv;
out vec4 f_colour;

const vec3 WATER = vec3(0.10, 0.40, 0.40);
const vec3 HUB = vec3(0.45, 1.0, 0.85);

void main() {
    vec3 near = texture(u_glow, v_uv).rgb + texture(u_bloom, v_uv).rgb * u_output_bloom;
    vec4 sea = texture(u_sea, v_uv);
    vec3 hub = HUB * sea.b * 4.0;
    vec3 room = room_light(v_uv, near + hub * 0.5, texture(u_growth, v_uv), sea, WATER,
                           u_sea_level, 1.0);
    // Outside every reach the water is dead; who may glow the show decided (installation/
    // access.py), so people keep the light it gave them.
    vec3 drained = desaturate(room, 1.0) * (1.0 - 0.7 * u_disparity_contrast);
    f_colour = vec4(present(mix(drained, room, sea.a) + near + hub), u_fade);
}
