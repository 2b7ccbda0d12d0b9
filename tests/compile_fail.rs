//! Every wiring mistake is a compile error that reads well: the `.stderr` snapshots under
//! `ui/` are part of the user interface. Regenerate after an intended change with
//! `TRYBUILD=overwrite cargo test -p parallel-routes-tests --test compile_fail`.

#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
