// Starts NocoDB from its npm package the way its documentation shows for Node.js: an Express
// app with NocoDB mounted on it. Run with the working directory set to NocoDB's data folder;
// PORT and HOST come from the environment (bench/peers/nocodb.sh sets them).
'use strict';

const express = require('express');
const { Noco } = require('nocodb');

(async () => {
  const app = express();
  const port = Number(process.env.PORT);
  const host = process.env.HOST || '127.0.0.1';
  const httpServer = app.listen(port, host);
  app.use(await Noco.init({}, httpServer, app));
  console.log(`nocodb listening on http://${host}:${port}`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
