#version 330 core
// Act 1, sanctuary: a city lit by smiles. A dark sea of drifting plankton; every face is a
// light in its emotion's colour, and living light grows outward from every smile, brightest
// at its growing edge. Drawn at the light buffer's size; passes/output.frag finishes it.
#include "lib/room_light.glsl"
#include "lib/present.glsl"

uniform sampler2D u_glow;    // faces and strands (rgb); a: the light of people with access
uniform sampler2D u_bloom;   // the halo of bright light
uniform sampler2D u_growth;  // the living light (passes/grow.frag)
uniform sampler2D u_sea;     // veil, current, hub light, reach (passes/sea.frag)
uniform float u_fade;        // < 1 while this act fades in over the previous one
uniform float u_sea_level;
uniform float u_output_bloom;
uniform float u_sanctuary_growth;

in vec2 v_uv;
out vec4 f_colour;

const vec3 WATER = vec3(0.10, 0.35, 0.45);

void main() {
    vec3 near = texture(u_glow, v_uv).rgb + texture(u_bloom, v_uv).rgb * u_output_bloom;
    vec4 growth = texture(u_growth, v_uv);
    vec3 room = room_light(v_uv, near, growth, texture(u_sea, v_uv), WATER, u_sea_level,
                           min(1.0, u_sanctuary_growth));
    f_colour = vec4(present(room + near), u_fade);
}
