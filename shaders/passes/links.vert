#version 330 core
// One instanced quad per strand of light between two points (people, or hubs).
// Per instance: a_ends = (x0, y0, x1, y1) with y up in 0..1; a_colour0/1 = (r, g, b, strength).

uniform float u_aspect;
uniform float u_width;  // half width of a strand, screen heights

in vec2 a_corner;  // x: 0..1 along the strand, y: -1..1 across
in vec4 a_ends;
in vec4 a_colour0;
in vec4 a_colour1;

out vec2 v_along;  // x: 0..1 along, y: -1..1 across
out vec4 v_colour;
out float v_length;

void main() {
    vec2 a = a_ends.xy;
    vec2 b = a_ends.zw;
    // Work in screen-height units so the strand keeps its width at any aspect ratio.
    vec2 scale = vec2(u_aspect, 1.0);
    vec2 dir = (b - a) * scale;
    float len = max(length(dir), 1e-5);
    vec2 normal = vec2(-dir.y, dir.x) / len;
    vec2 point = a * scale + dir * a_corner.x + normal * a_corner.y * u_width;
    gl_Position = vec4((point / scale) * 2.0 - 1.0, 0.0, 1.0);
    v_along = a_corner;
    v_colour = mix(a_colour0, a_colour1, a_corner.x);
    v_length = len;
}
