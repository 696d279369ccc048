"""The lighting rig: fixture patches, DMX over sACN / Art-Net, and OSC for lighting desks."""
