// Placeholder so the library has a source until the layer's first file lands; delete then.
