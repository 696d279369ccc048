#version 330 core
// Act 5, solidarity: equity. Every smile shines in its own hue, strands of light join every
// person to their neighbours (passes/links), and the whole sea takes on the room's mood.
#include "lib/sea_depths.glsl"
#include "lib/sparks.glsl"
#include "lib/present.glsl"
#include "lib/light_tint.glsl"
#include "lib/living_light.glsl"

uniform sampler2D u_glow;
uniform sampler2D u_sea;
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_fade;
uniform float u_sea_level;
uniform vec3 u_mood;  // glow-weighted colour of the room

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec2 p = vec2(v_uv.x * u_resolution.x / u_resolution.y, v_uv.y);
    vec4 sea_state = texture(u_sea, v_uv);
    vec2 sea = vec2(sea_state.r, sparks(p, sea_state.g, u_time));
    vec4 glow = texture(u_glow, v_uv);  // see passes/compose.frag
    vec3 light = glow.rgb;
    vec4 tint = light_tint(light);
    vec3 mood = u_mood / max(dot(u_mood, vec3(1.0 / 3.0)), 1e-3);
    vec3 water = mix(mood * 0.35, tint.rgb * 0.6, clamp(tint.a * 2.0, 0.0, 1.0));

    vec3 colour = sea_depths(v_uv);
    // A slow aurora in the room's colour: the light everyone shares.
    float aurora = smoothstep(0.2, 0.9, sea.x) * (0.6 + 0.4 * sin(p.x * 2.0 + u_time * 0.3));
    colour += mood * aurora * 0.05 * (0.5 + u_sea_level);
    colour += water * sea.x * 0.15 * u_sea_level;
    colour += water * sea.y * (0.45 * u_sea_level + 2.5 * tint.a);
    colour += living_light(glow.a, tint.rgb) * 1.2;
    colour += light * (0.9 + 0.6 * sea.x);
    f_colour = vec4(present(colour), u_fade);
}
