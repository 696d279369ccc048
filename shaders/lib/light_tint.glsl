// light_tint: the colour of some light at unit brightness, and how bright it was.
// in:  light  linear RGB, any brightness >= 0
// out: vec4(rgb colour with mean 1, mean brightness); black light gives grey with 0.
#ifndef LIB_LIGHT_TINT
#define LIB_LIGHT_TINT

vec4 light_tint(vec3 light) {
    float level = dot(light, vec3(1.0 / 3.0));
    vec3 tint = level > 1e-4 ? light / level : vec3(1.0);
    return vec4(tint, level);
}

#endif
