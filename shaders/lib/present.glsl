// present: linear light to what the projector should show: bloom added, tone mapped,
// gamma, black level, brightness and blackout (the output.* and master.* parameters).
// in:  light  linear RGB of the picture
//      bloom  linear RGB of the halo around bright light
// Needs tonemap_soft. Declares the uniforms it reads.
#ifndef LIB_PRESENT
#define LIB_PRESENT

#include "lib/tonemap_soft.glsl"

uniform float u_output_bloom;
uniform float u_output_gamma;
uniform float u_output_black_level;
uniform float u_master_brightness;
uniform float u_master_blackout;

vec3 present(vec3 light, vec3 bloom) {
    vec3 colour = tonemap_soft(light + bloom * u_output_bloom);
    colour = pow(colour, vec3(1.0 / u_output_gamma));
    colour = u_output_black_level + (1.0 - u_output_black_level) * colour;
    return colour * u_master_brightness * (1.0 - u_master_blackout);
}

#endif
