//! All integration tests in one binary: one release link instead of one per
//! file keeps `cargo test --release` within the CI budget.

mod cli_util;
mod geometry_reference;
mod model_util;

mod bad_input;
mod cli_completions;
mod cli_eval;
mod cli_info;
mod cli_limits;
mod cli_mesh;
mod cli_mesh_folders;
mod cli_orient;
mod cli_probabilities;
mod cli_run;
mod geometry_kernels;
mod geometry_label_transfer;
mod geometry_normals;
mod io_dataset;
mod io_fuzz;
mod io_mesh;
mod io_pcd;
mod io_ply;
mod io_ply_header;
mod io_xyz;
mod model_classifier;
mod model_layers;
mod model_network;
mod model_weights;
mod predict_votes;
mod render_cli;
mod render_gallery;
mod render_tile;
mod run_fidelity;
mod signals;
mod synth_compare;
mod synth_dataset;
mod synth_generators_b;
mod synth_shapes;
mod train_cli;
mod train_data;
mod train_overfit;
mod train_pseudo;
mod train_run;
