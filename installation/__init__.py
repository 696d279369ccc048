"""Nova Sanctuary: smiles read by a camera, answered in bioluminescent light."""

__version__ = "0.1.0"
