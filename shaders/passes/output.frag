#version 330 core
// The output: the act's picture (composed and graded at the light buffer's size) brought to
// full size through the keystone quad, with the boundary's thin line, which only full
// resolution can show, added in display values and dimmed with the master brightness like
// the rest of the picture. The plankton's motes are drawn on top (passes/motes.*).
#include "lib/wall.glsl"
#include "lib/boundary_wall.glsl"

uniform sampler2D u_picture;
uniform vec2 u_resolution;     // output size in pixels
uniform float u_wall_strength; // 0: no boundary on screen
uniform float u_master_brightness;
uniform float u_master_blackout;

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec3 colour = texture(u_picture, v_uv).rgb;
    if (u_wall_strength > 0.0) {
        vec2 wall = wall_at(v_uv.y);
        float line = boundary_wall(v_uv.x - wall.x, 1.0 / u_resolution.x);
        float master = u_master_brightness * (1.0 - u_master_blackout);
        colour += vec3(0.55, 0.65, 0.85) * line * wall.y * u_wall_strength * 0.6 * master;
    }
    f_colour = vec4(min(colour, vec3(1.0)), 1.0);
}
