SELECT $tag$ ; DELETE $tag$, E'\' \'', U&'d\0061t', "Q""x" -- c
/* a /* b */ */