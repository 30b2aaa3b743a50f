package catalog

// Bounds exposes bounds to tests.
var Bounds = bounds
