#version 330 core
// Act 5, solidarity: equity. Every smile shines in its own hue, strands of light join every
// person to their neighbours (passes/links), and a slow aurora in the room's mood fills the
// water: the light everyone shares.
#include "lib/room_light.glsl"
#include "lib/present.glsl"

uniform sampler2D u_glow;    // faces and strands (rgb); a: the light of people with access
uniform sampler2D u_bloom;   // the halo of bright light
uniform sampler2D u_growth;  // the living light (passes/grow.frag)
uniform sampler2D u_sea;     // veil, current, hub light, reach (passes/sea.frag)
uniform float u_fade;        // < 1 while this act fades in over the previous one
uniform float u_sea_level;
uniform float u_output_bloom;
uniform vec2 u_resolution;
uniform float u_time;  // wrapped (installation/render/showclock.py)
uniform vec3 u_mood;  // glow-weighted colour of the room

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec3 near = texture(u_glow, v_uv).rgb + texture(u_bloom, v_uv).rgb * u_output_bloom;
    vec4 sea = texture(u_sea, v_uv);
    vec3 mood = u_mood / max(dot(u_mood, vec3(1.0 / 3.0)), 1e-3);
    vec3 room = room_light(v_uv, near, texture(u_growth, v_uv), sea, mood * 0.35, u_sea_level,
                           1.0);
    float x = v_uv.x * u_resolution.x / u_resolution.y;
    float aurora = smoothstep(0.25, 0.9, sea.r) * (0.6 + 0.4 * sin(x * 2.0 + u_time * 0.3));
    f_colour = vec4(present(room + near + mood * aurora * 0.03 * (0.5 + u_sea_level)), u_fade);
}
