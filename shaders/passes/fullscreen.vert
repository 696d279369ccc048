#version 330 core
// A single triangle that covers the screen; v_uv runs 0..1 across the visible part.
in vec2 a_position;
out vec2 v_uv;

void main() {
    v_uv = a_position * 0.5 + 0.5;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
