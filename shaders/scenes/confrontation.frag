#version 330 core
// Act 3, confrontation: the crowd outside BioGlo Corp. The muted side's smiles press on the
// boundary: the line bulges into the radiant side where they push (installation/render/
// wall.py), wavers and flickers, and grey light gathers against it and seeps through.
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
uniform float u_side;
uniform float u_pressure;  // 0..1: how hard the excluded crowd pushes
uniform float u_disparity_contrast;

in vec2 v_uv;
out vec4 f_colour;

const vec3 WATER = vec3(0.10, 0.30, 0.45);

void main() {
    vec3 near = texture(u_glow, v_uv).rgb + texture(u_bloom, v_uv).rgb * u_output_bloom;
    vec3 room = room_light(v_uv, near, texture(u_growth, v_uv), texture(u_sea, v_uv), WATER,
                           u_sea_level, 1.0);
    vec3 colour = behind_the_line(v_uv, room, near, u_side, u_disparity_contrast);

    // Grey light of the excluded side drawn up against the line, and a little through it.
    float towards = u_side < 0.5 ? 1.0 : -1.0;  // from the radiant side to the excluded
    float gap = (v_uv.x - wall_at(v_uv.y).x) * towards;  // > 0 behind the line
    float press = exp(-abs(gap) * (gap > 0.0 ? 18.0 : 70.0)) * u_pressure;
    if (press > 0.01) {  // only near the line: a texture read is dear on a software renderer
        vec3 pressed = textureLod(u_glow, v_uv + vec2(towards * 0.07, 0.0), 0.0).rgb;
        colour += desaturate(pressed, 1.0) * press * 1.4;
    }
    f_colour = vec4(present(colour), u_fade);
}
