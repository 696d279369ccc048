#version 330 core
// Act 3, confrontation: the crowd outside BioGlo Corp. The muted side's smiles press on
// the boundary; it bends towards the radiant side, wavers, and the light along it strains
// and flickers. Grey light gathers at the line, straining to cross.
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
uniform float u_boundary;  // already bent by the pressure (see installation/access.py)
uniform float u_side;
uniform float u_pressure;  // 0..1: how hard the excluded crowd pushes
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

    // Grey light from the excluded side smeared up against the line: the press of the crowd.
    float towards = u_side < 0.5 ? 1.0 : -1.0;
    float gap = (v_uv.x - u_boundary) * towards;  // > 0 on the excluded side
    float press = excluded * exp(-max(gap, 0.0) * 25.0) * u_pressure;
    if (press > 0.01) {  // only near the line: a texture read is dear on a software renderer
        vec3 pressed = textureLod(u_glow, v_uv + vec2(towards * 0.06, 0.0), 0.0).rgb;
        colour += desaturate(pressed, 1.0) * press * 1.5;
    }

    float waver = (sea_state.b - 0.5) * 0.02;
    colour += vec3(0.75, 0.80, 0.95) * boundary_wall(v_uv, u_boundary, waver, sea_state.a * 2.0) * 0.7;
    f_colour = vec4(present(colour), u_fade);
}
