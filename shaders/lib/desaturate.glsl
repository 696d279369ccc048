// desaturate: pull a colour towards its own grey.
// in:  colour  linear RGB
//      amount  0 keeps the colour, 1 leaves only grey (Rec. 709 luminance)
#ifndef LIB_DESATURATE
#define LIB_DESATURATE

vec3 desaturate(vec3 colour, float amount) {
    float grey = dot(colour, vec3(0.2126, 0.7152, 0.0722));
    return mix(colour, vec3(grey), clamp(amount, 0.0, 1.0));
}

#endif
