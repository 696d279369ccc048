#version 330 core
// Folds the bloom and the living pattern into the light buffer (drawn with rgb added and
// alpha replaced), so the full-resolution scene reads one texture for all three: every
// texture read at full resolution is dear on a software renderer.
// Out: rgb = bloom x strength (added to the light), a = the living pattern's density.
uniform sampler2D u_bloom;
uniform sampler2D u_sim;
uniform float u_output_bloom;

in vec2 v_uv;
out vec4 f_light;

void main() {
    f_light = vec4(texture(u_bloom, v_uv).rgb * u_output_bloom, texture(u_sim, v_uv).g);
}
