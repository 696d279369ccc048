// living_light: the glow of the growing pattern (reaction-diffusion) near lit faces.
// in:  sim    the simulation texel: g = concentration of the growing substance (0..~0.5)
//      tint   colour of the nearby light at unit brightness (see light_tint)
// out: linear RGB; bright ridges where the pattern is dense.
#ifndef LIB_LIVING_LIGHT
#define LIB_LIVING_LIGHT

vec3 living_light(vec4 sim, vec3 tint) {
    float growth = smoothstep(0.08, 0.32, sim.g);
    return tint * growth * 0.55;
}

#endif
