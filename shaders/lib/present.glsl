// present: linear light to what the projector should show: tone mapped, gamma, black
// level, brightness and blackout (the output.* and master.* parameters). Bloom is already
// in the light (passes/compose.frag).
// in:  light  linear RGB of the picture
// Needs tonemap_soft. Declares the uniforms it reads.
#ifndef LIB_PRESENT
#define LIB_PRESENT

#include "lib/tonemap_soft.glsl"

uniform float u_output_gamma;
uniform float u_output_black_level;
uniform float u_master_brightness;
uniform float u_master_blackout;

vec3 present(vec3 light) {
    vec3 colour = tonemap_soft(light);
    if (u_output_gamma != 1.0) colour = pow(colour, vec3(1.0 / u_output_gamma));
    colour = u_output_black_level + (1.0 - u_output_black_level) * colour;
    return colour * u_master_brightness * (1.0 - u_master_blackout);
}

#endif
