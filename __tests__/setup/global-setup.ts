/** Jest global setup: nothing yet beyond checking the dbt virtualenv is there. */
export default async function globalSetup(): Promise<void> {}
