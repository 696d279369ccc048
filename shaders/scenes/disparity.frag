#version 330 core
// Act 2, disparity: the viral video. A boundary splits the room: on one side the light is
// radiant and alive; on the other, the same smiles are drained to grey behind the line.
#include "lib/sea_depths.glsl"
#include "lib/sparks.glsl"
#include "lib/present.glsl"
#include "lib/light_tint.glsl"
#include "lib/living_light.glsl"
#include "lib/desaturate.glsl"
#include "lib/boundary_wall.glsl"

uniform sampler2D u_glow;
uniform sampler2D u_sea;
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_fade;
uniform float u_sea_level;
uniform float u_boundary;        // where the boundary stands, 0..1 from the left
uniform float u_side;            // 0: the left side has access, 1: the right
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
    vec3 water = mix(vec3(0.10, 0.35, 0.45), tint.rgb * 0.6, clamp(tint.a * 2.0, 0.0, 1.0));

    vec3 colour = sea_depths(v_uv);
    colour += water * sea.x * 0.12 * u_sea_level;
    colour += water * sea.y * (0.35 * u_sea_level + 2.5 * tint.a);
    colour += living_light(glow.a, tint.rgb);
    colour += light * (0.85 + 0.6 * sea.x);

    float left = 1.0 - smoothstep(u_boundary - 0.004, u_boundary + 0.004, v_uv.x);
    float excluded = u_side < 0.5 ? 1.0 - left : left;
    vec3 drained = desaturate(colour, 1.0) * (1.0 - 0.5 * u_disparity_contrast);
    colour = mix(colour, drained, excluded * u_disparity_contrast);
    colour += vec3(0.55, 0.70, 0.90) * boundary_wall(v_uv, u_boundary, 0.0, 1.0) * 0.5;
    f_colour = vec4(present(colour), u_fade);
}
