// tonemap_soft: maps unbounded light to [0, 1) and keeps its hue.
// in:  light  linear RGB, any brightness >= 0
// The brightest channel rolls off exponentially and the others follow it, so a bright teal
// glow stays teal instead of turning white as per-channel curves make it; only very bright
// cores (several times full scale) lean towards white, as a glowing core does.
#ifndef LIB_TONEMAP_SOFT
#define LIB_TONEMAP_SOFT

vec3 tonemap_soft(vec3 light) {
    light = max(light, vec3(0.0));
    float peak = max(max(light.r, light.g), light.b);
    vec3 kept = light * ((1.0 - exp(-peak)) / max(peak, 1e-6));
    vec3 white = vec3(1.0) - exp(-light);
    return mix(kept, white, 0.5 * smoothstep(1.5, 5.0, peak));
}

#endif
