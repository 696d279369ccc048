#version 330 core
// Bloom, going down: half the size each level, keeping only light above a knee on the
// first level. Four bilinear taps average a 4x4 block, so small sparks do not shimmer.
uniform sampler2D u_source;
uniform vec2 u_texel;      // 1 / source size
uniform float u_threshold; // light below this (linear) does not bloom; 0 on later levels

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec3 sum = texture(u_source, v_uv + u_texel * vec2(-1.0, -1.0)).rgb;
    sum += texture(u_source, v_uv + u_texel * vec2(1.0, -1.0)).rgb;
    sum += texture(u_source, v_uv + u_texel * vec2(-1.0, 1.0)).rgb;
    sum += texture(u_source, v_uv + u_texel * vec2(1.0, 1.0)).rgb;
    vec3 colour = sum * 0.25;
    float level = max(colour.r, max(colour.g, colour.b));
    // Soft knee: fade in over half the threshold instead of a hard edge.
    float keep = u_threshold > 0.0 ? smoothstep(u_threshold * 0.5, u_threshold * 1.5, level) : 1.0;
    f_colour = vec4(colour * keep, 1.0);
}
