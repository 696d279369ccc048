// sea_depths: the dark water behind everything, slightly bluer towards the top.
// in:  uv  0..1 across the picture
#ifndef LIB_SEA_DEPTHS
#define LIB_SEA_DEPTHS

vec3 sea_depths(vec2 uv) {
    return mix(vec3(0.004, 0.008, 0.018), vec3(0.010, 0.030, 0.060), uv.y);
}

#endif
