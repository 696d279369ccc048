#version 330 core
// Act 4, biohubs: a decentralised network. Glowing hubs appear; their reach grows with the
// crowd's joy and strands of light join them (passes/links). Inside a hub's reach the room
// is alive; outside, it is still grey.
#include "lib/sea_depths.glsl"
#include "lib/sparks.glsl"
#include "lib/present.glsl"
#include "lib/light_tint.glsl"
#include "lib/living_light.glsl"
#include "lib/desaturate.glsl"

#define MAX_HUBS 8

uniform sampler2D u_glow;
uniform sampler2D u_sim;
uniform sampler2D u_sea;
uniform sampler2D u_bloom;
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_fade;
uniform float u_sea_level;
uniform vec3 u_hubs[MAX_HUBS];  // x, y (y up, 0..1), reach in picture widths
uniform int u_hub_count;
uniform float u_disparity_contrast;

in vec2 v_uv;
out vec4 f_colour;

void main() {
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y);
    vec4 sea_state = texture(u_sea, v_uv);
    vec2 sea = vec2(sea_state.r, sparks(p, sea_state.gb, u_time));
    vec3 light = texture(u_glow, v_uv).rgb;
    vec4 tint = light_tint(light);
    vec3 water = mix(vec3(0.10, 0.40, 0.40), tint.rgb * 0.6, clamp(tint.a * 2.0, 0.0, 1.0));

    // Reach and hub cores, measured in picture widths.
    float reached = 0.0;
    float cores = 0.0;
    float rings = 0.0;
    for (int i = 0; i < MAX_HUBS; ++i) {
        if (i >= u_hub_count) break;
        vec3 hub = u_hubs[i];
        float d = length(vec2(v_uv.x - hub.x, (v_uv.y - hub.y) / aspect));
        reached = max(reached, smoothstep(hub.z, hub.z * 0.75, d));
        float beat = 0.8 + 0.2 * sin(u_time * 2.0 + float(i) * 1.7);
        cores += exp(-d * d * 4000.0) * beat + 0.15 * exp(-d * d * 300.0);
        rings += exp(-pow((d - hub.z) * 120.0, 2.0)) * 0.25;
    }

    vec3 colour = sea_depths(v_uv);
    colour += water * sea.x * 0.12 * u_sea_level * (0.4 + reached);
    colour += water * sea.y * (0.35 * u_sea_level + 2.5 * tint.a);
    colour += living_light(texture(u_sim, v_uv), tint.rgb);
    colour += light * (0.85 + 0.6 * sea.x);
    vec3 drained = desaturate(colour, 1.0) * (1.0 - 0.6 * u_disparity_contrast);
    colour = mix(drained, colour, reached);
    colour += vec3(0.45, 1.0, 0.85) * (cores * 1.4 + rings);
    f_colour = vec4(present(colour, texture(u_bloom, v_uv).rgb), u_fade);
}
