// `npm start`: compiles the server when its sources changed (about a second), then runs the
// launcher from the compiled bundle, so no process of the system loads TypeScript at run time.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureServerBuild } from './serverBuild.mjs'

const directory = ensureServerBuild({ log: (line) => console.log(line) })
await import(pathToFileURL(join(directory, 'devnet.mjs')).href)
