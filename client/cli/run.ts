import { main } from './main.js';

// Short commands leave the gRPC channel open; exit explicitly once the command has answered.
process.exit(await main(process.argv));
