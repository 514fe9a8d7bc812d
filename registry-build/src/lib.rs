//! Build-script check of the module graph (in progress: see the workspace README).
