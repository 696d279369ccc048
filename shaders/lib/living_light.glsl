// living_light: the glow of the growing pattern (reaction-diffusion) near lit faces.
// in:  density  the pattern's density here (0..~0.5; passes/grow.frag's substance B)
//      tint     colour of the nearby light at unit brightness (see light_tint)
// out: linear RGB; bright where the pattern is dense.
#ifndef LIB_LIVING_LIGHT
#define LIB_LIVING_LIGHT

vec3 living_light(float density, vec3 tint) {
    return tint * smoothstep(0.08, 0.32, density) * 0.55;
}

#endif
