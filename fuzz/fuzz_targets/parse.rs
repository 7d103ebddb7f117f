//! Fuzzes the intake path from bytes to messages. For now that path is the framer alone:
//! every frame it yields is what the syslog parser will be fed, so this target already
//! exercises the framing of arbitrary input; the parser is to be chained in after it.

#![no_main]

use hipaa_audit::ingest::framing::Framer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framer = Framer::new(1024);
    let mut frames = Vec::new();
    framer.push(data, &mut frames);
    framer.finish(&mut frames);
    for frame in &frames {
        std::hint::black_box(&frame.bytes);
    }
});
