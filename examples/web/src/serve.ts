// `npm run web`: serves the DDPO page on http://127.0.0.1:8080/ (PORT and HOST override) until Ctrl-C.
import { startServer } from './server.js';

const server = await startServer({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' });
console.log(`DDPO in a browser tab: open ${server.url} (Ctrl-C stops the server)`);
