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

uniform sampler2D u_glow;
uniform sampler2D u_sea;
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_fade;
uniform float u_sea_level;
uniform float u_disparity_contrast;

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec2 p = vec2(v_uv.x * u_resolution.x / u_resolution.y, v_uv.y);
    vec4 sea_state = texture(u_sea, v_uv);
    vec2 sea = vec2(sea_state.r, sparks(p, sea_state.g, u_time));
    vec4 glow = texture(u_glow, v_uv);  // see passes/compose.frag
    vec3 light = glow.rgb;
    vec4 tint = light_tint(light);
    vec3 water = mix(vec3(0.10, 0.40, 0.40), tint.rgb * 0.6, clamp(tint.a * 2.0, 0.0, 1.0));

    // Reach and hub light come from the sea pass (passes/sea.frag), at low resolution.
    float reached = sea_state.a;
    float hub_light = sea_state.b * 4.0;

    vec3 colour = sea_depths(v_uv);
    colour += water * sea.x * 0.12 * u_sea_level * (0.4 + reached);
    colour += water * sea.y * (0.35 * u_sea_level + 2.5 * tint.a);
    colour += living_light(glow.a, tint.rgb);
    colour += light * (0.85 + 0.6 * sea.x);
    vec3 drained = desaturate(colour, 1.0) * (1.0 - 0.6 * u_disparity_contrast);
    colour = mix(drained, colour, reached);
    colour += vec3(0.45, 1.0, 0.85) * hub_light;
    f_colour = vec4(present(colour), u_fade);
}
