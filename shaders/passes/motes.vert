#version 330 core
// One instanced sprite per mote of plankton (installation/render/plankton.py), pinned
// through the keystone like the picture. Its colour and flare come from the picture where
// it drifts: brighter and tinted near light, grey where the light is drained. A mote
// smaller than a pixel is spread over one with the same total light, so every output size
// shows the same sea.
uniform mat3 u_keystone;       // picture uv -> output uv (both y up)
uniform vec2 u_resolution;     // output size in pixels
uniform sampler2D u_picture;   // the graded picture
uniform float u_sea_level;
uniform float u_master_brightness;
uniform float u_master_blackout;

in vec2 a_corner;  // -1..1
in vec4 a_mote;    // u, v, radius (picture heights), brightness

out vec2 v_local;  // in units of the mote's spread
out vec3 v_colour;

const vec3 PLANKTON = vec3(0.10, 0.45, 0.50);

void main() {
    float radius = a_mote.z;
    float blur = 0.5 / u_resolution.y;
    float spread = sqrt(radius * radius + blur * blur);
    float energy = (radius * radius) / (spread * spread);
    vec3 picture = textureLod(u_picture, a_mote.xy, 0.0).rgb;
    float bright = dot(picture, vec3(1.0 / 3.0));
    vec3 hue = (picture + 0.02 * PLANKTON) / (bright + 0.02 * dot(PLANKTON, vec3(1.0 / 3.0)));
    float master = u_master_brightness * (1.0 - u_master_blackout);
    v_colour = hue * a_mote.w * energy * (0.3 * u_sea_level + 0.9 * bright) * master;
    v_local = a_corner * 3.0;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 offset = a_corner * 3.0 * spread * vec2(1.0 / aspect, 1.0);
    vec3 pinned = u_keystone * vec3(a_mote.xy + offset, 1.0);
    gl_Position = vec4(2.0 * pinned.xy - pinned.z, 0.0, pinned.z);
}
