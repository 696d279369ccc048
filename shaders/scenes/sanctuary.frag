#version 330 core
// Act 1, sanctuary: a city lit by smiles. A dark sea of drifting plankton; every face is a
// light in its emotion's colour, the plankton around it wakes in that colour, and living
// light grows outward from every smile.
#include "lib/sea_depths.glsl"
#include "lib/sparks.glsl"
#include "lib/present.glsl"
#include "lib/light_tint.glsl"
#include "lib/living_light.glsl"

uniform sampler2D u_glow;  // light of faces and strands with its bloom; a = the living pattern
uniform sampler2D u_sea;   // veil and currents of the sea (see passes/sea.frag)
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_fade;      // < 1 while this act fades in over the previous one
uniform float u_sea_level;
uniform float u_sanctuary_growth;

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec2 p = vec2(v_uv.x * u_resolution.x / u_resolution.y, v_uv.y);
    vec4 sea_state = texture(u_sea, v_uv);
    vec2 sea = vec2(sea_state.r, sparks(p, sea_state.g, u_time));
    vec4 glow = texture(u_glow, v_uv);  // see passes/compose.frag
    vec3 light = glow.rgb;
    vec4 tint = light_tint(light);
    vec3 water = mix(vec3(0.10, 0.35, 0.45), tint.rgb * 0.6, clamp(tint.a * 2.0, 0.0, 1.0));

    vec3 colour = sea_depths(v_uv);
    colour += water * sea.x * 0.12 * u_sea_level;
    colour += water * sea.y * (0.35 * u_sea_level + 2.5 * tint.a);
    colour += living_light(glow.a, tint.rgb) * min(1.0, u_sanctuary_growth);
    colour += light * (0.85 + 0.6 * sea.x);
    f_colour = vec4(present(colour), u_fade);
}
