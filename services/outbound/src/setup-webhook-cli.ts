// npm run setup-webhook -w @cpm/outbound: registers this system's webhook on a Sinch app (see README).
import { describeSetup, setupWebhook } from './setup-webhook';

setupWebhook().then(
  (result) => {
    console.log(describeSetup(result));
    process.exit(0);
  },
  (error: Error) => {
    console.error(`setup-webhook failed: ${error.message}`);
    process.exit(1);
  },
);
