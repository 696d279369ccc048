#version 330 core
// A mote of plankton: a soft point of light, added onto the output.
in vec2 v_local;
in vec3 v_colour;
out vec4 f_colour;

void main() {
    f_colour = vec4(v_colour * exp(-dot(v_local, v_local)), 1.0);
}
