#version 330 core
// A strand of light: bright along its middle, with pulses travelling from end to end.
uniform float u_time;
uniform float u_glow_intensity;

in vec2 v_along;
in vec4 v_colour;
in float v_length;

out vec4 f_light;

void main() {
    float across = exp(-v_along.y * v_along.y * 6.0);
    // Fade in at both ends so strands melt into the light they join.
    float ends = smoothstep(0.0, 0.12, v_along.x) * smoothstep(1.0, 0.88, v_along.x);
    float pulse = 0.55 + 0.45 * sin((v_along.x * v_length * 18.0) - u_time * 2.5);
    float amount = across * ends * pulse * v_colour.a;
    f_light = vec4(v_colour.rgb * amount * u_glow_intensity * 0.6, amount * 0.3);
}
