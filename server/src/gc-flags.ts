import { setFlagsFromString } from 'node:v8';

// No allocation-site pretenuring (ADR 0019). When objects of one allocation site (a constructor
// call or literal in some function) mostly survive for a while, as during start-up or a metadata
// change, V8 decides to allocate that site's objects directly in the old generation, and keeps to
// it. A site on the read path so tenured (a page's rows, say) makes every request's young values
// that its dead objects point to survive each scavenge: under a list load 6-9 MB copied and 10-25
// ms pauses every ~120 ms, against ~0.1 MB and ~2 ms without. A flag the collector reads at each
// collection, set here before the server's modules load and allocate.
setFlagsFromString('--no-allocation-site-pretenuring');
