#version 330 core
// One instanced quad per face, drawn into the glow buffer.
// Per instance: a_light = (centre x, centre y, reach, glow) with y up, in 0..1 units;
// a_colour = (r, g, b, access); a_shape = (face size in screen heights, seed, smile, 0).

uniform float u_aspect;  // width / height of the output

in vec2 a_corner;  // -1..1
in vec4 a_light;
in vec4 a_colour;
in vec4 a_shape;

out vec2 v_local;  // position in reach units, -1..1 across the quad
out vec4 v_light;
out vec4 v_colour;
out vec4 v_shape;

void main() {
    float reach = a_light.z;
    vec2 offset = a_corner * vec2(reach / u_aspect, reach);
    vec2 position = a_light.xy + offset;
    gl_Position = vec4(position * 2.0 - 1.0, 0.0, 1.0);
    v_local = a_corner;
    v_light = a_light;
    v_colour = a_colour;
    v_shape = a_shape;
}
