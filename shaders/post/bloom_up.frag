#version 330 core
// Bloom, going up: a 3x3 tent filter of the smaller level, added onto the larger one.
uniform sampler2D u_source;
uniform vec2 u_texel;  // 1 / source size

in vec2 v_uv;
out vec4 f_colour;

void main() {
    vec3 sum = texture(u_source, v_uv).rgb * 4.0;
    sum += texture(u_source, v_uv + vec2(u_texel.x, 0.0)).rgb * 2.0;
    sum += texture(u_source, v_uv - vec2(u_texel.x, 0.0)).rgb * 2.0;
    sum += texture(u_source, v_uv + vec2(0.0, u_texel.y)).rgb * 2.0;
    sum += texture(u_source, v_uv - vec2(0.0, u_texel.y)).rgb * 2.0;
    sum += texture(u_source, v_uv + u_texel).rgb;
    sum += texture(u_source, v_uv - u_texel).rgb;
    sum += texture(u_source, v_uv + vec2(u_texel.x, -u_texel.y)).rgb;
    sum += texture(u_source, v_uv + vec2(-u_texel.x, u_texel.y)).rgb;
    f_colour = vec4(sum / 16.0, 1.0);
}
