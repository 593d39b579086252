// The built-in rules, one import per provider file, alphabetical. No
// discovery, no side effects: what runs is what is listed here.

import type { Rule } from '../rule.ts'
import { rules as adafruit } from './adafruit.ts'
import { rules as adobe } from './adobe.ts'
import { rules as age } from './age.ts'
import { rules as alibaba } from './alibaba.ts'
import { rules as android } from './android.ts'
import { rules as anthropic } from './anthropic.ts'
import { rules as asanaAirtable } from './asana-airtable.ts'
import { rules as atlassian } from './atlassian.ts'
import { rules as aws } from './aws.ts'
import { rules as azure } from './azure.ts'
import { rules as beamer } from './beamer.ts'
import { rules as bitbucket } from './bitbucket.ts'
import { rules as buildkite } from './buildkite.ts'
import { rules as circleci } from './circleci.ts'
import { rules as clickup } from './clickup.ts'
import { rules as cloudflare } from './cloudflare.ts'
import { rules as codeclimate } from './codeclimate.ts'
import { rules as cohere } from './cohere.ts'
import { rules as contentful } from './contentful.ts'
import { rules as curl } from './curl.ts'
import { rules as database } from './database.ts'
import { rules as databricks } from './databricks.ts'
import { rules as datadog } from './datadog.ts'
import { rules as deepseek } from './deepseek.ts'
import { rules as dependencyTrack } from './dependency-track.ts'
import { rules as digitalocean } from './digitalocean.ts'
import { rules as discord } from './discord.ts'
import { rules as docker } from './docker.ts'
import { rules as doppler } from './doppler.ts'
import { rules as dotnet } from './dotnet.ts'
import { rules as dropbox } from './dropbox.ts'
import { rules as easypost } from './easypost.ts'
import { rules as elevenlabs } from './elevenlabs.ts'
import { rules as envPassword } from './env-password.ts'
import { rules as facebook } from './facebook.ts'
import { rules as figma } from './figma.ts'
import { rules as fireworks } from './fireworks.ts'
import { rules as fleetbase } from './fleetbase.ts'
import { rules as flexport } from './flexport.ts'
import { rules as flyio } from './flyio.ts'
import { rules as frameio } from './frameio.ts'
import { rules as fullstory } from './fullstory.ts'
import { rules as gcp } from './gcp.ts'
import { rules as generic } from './generic.ts'
import { rules as github } from './github.ts'
import { rules as gitlab } from './gitlab.ts'
import { rules as gocardless } from './gocardless.ts'
import { rules as grafana } from './grafana.ts'
import { rules as groq } from './groq.ts'
import { rules as heroku } from './heroku.ts'
import { rules as http } from './http.ts'
import { rules as hubspot } from './hubspot.ts'
import { rules as huggingface } from './huggingface.ts'
import { rules as infracost } from './infracost.ts'
import { rules as intra42 } from './intra42.ts'
import { rules as ionic } from './ionic.ts'
import { rules as jenkinsSetup } from './jenkins-setup.ts'
import { rules as jfrog } from './jfrog.ts'
import { rules as jina } from './jina.ts'
import { rules as jwk } from './jwk.ts'
import { rules as jwt } from './jwt.ts'
import { rules as kubernetes } from './kubernetes.ts'
import { rules as langsmith } from './langsmith.ts'
import { rules as linear } from './linear.ts'
import { rules as mailchimp } from './mailchimp.ts'
import { rules as mailgun } from './mailgun.ts'
import { rules as mailsac } from './mailsac.ts'
import { rules as maxmind } from './maxmind.ts'
import { rules as microsoftTeams } from './microsoft-teams.ts'
import { rules as mistral } from './mistral.ts'
import { rules as mongodbAtlas } from './mongodb-atlas.ts'
import { rules as nats } from './nats.ts'
import { rules as netrc } from './netrc.ts'
import { rules as newrelic } from './newrelic.ts'
import { rules as newrelicAdmin } from './newrelic-admin.ts'
import { rules as nightfall } from './nightfall.ts'
import { rules as notion } from './notion.ts'
import { rules as npm } from './npm.ts'
import { rules as nuget } from './nuget.ts'
import { rules as okta } from './okta.ts'
import { rules as onepassword } from './onepassword.ts'
import { rules as openai } from './openai.ts'
import { rules as openrouter } from './openrouter.ts'
import { rules as openshift } from './openshift.ts'
import { rules as pagarme } from './pagarme.ts'
import { rules as pagerduty } from './pagerduty.ts'
import { rules as particle } from './particle.ts'
import { rules as passwordHash } from './password-hash.ts'
import { rules as passwordProse } from './password-prose.ts'
import { rules as perplexity } from './perplexity.ts'
import { rules as pinecone } from './pinecone.ts'
import { rules as postman } from './postman.ts'
import { rules as postmark } from './postmark.ts'
import { rules as powershell } from './powershell.ts'
import { rules as privateKey } from './private-key.ts'
import { rules as psexec } from './psexec.ts'
import { rules as pypi } from './pypi.ts'
import { rules as readme } from './readme.ts'
import { rules as replicate } from './replicate.ts'
import { rules as rubygems } from './rubygems.ts'
import { rules as saasNamed } from './saas-named.ts'
import { rules as saasPrefixed } from './saas-prefixed.ts'
import { rules as saasUuid } from './saas-uuid.ts'
import { rules as salesforce } from './salesforce.ts'
import { rules as scrapfly } from './scrapfly.ts'
import { rules as segment } from './segment.ts'
import { rules as sendgrid } from './sendgrid.ts'
import { rules as sentry } from './sentry.ts'
import { rules as shopify } from './shopify.ts'
import { rules as sidekiq } from './sidekiq.ts'
import { rules as slack } from './slack.ts'
import { rules as snowflake } from './snowflake.ts'
import { rules as sonarqube } from './sonarqube.ts'
import { rules as sourcegraph } from './sourcegraph.ts'
import { rules as sql } from './sql.ts'
import { rules as square } from './square.ts'
import { rules as stripe } from './stripe.ts'
import { rules as sumologic } from './sumologic.ts'
import { rules as supabase } from './supabase.ts'
import { rules as tailscale } from './tailscale.ts'
import { rules as tavily } from './tavily.ts'
import { rules as teamcity } from './teamcity.ts'
import { rules as teamwork } from './teamwork.ts'
import { rules as telegram } from './telegram.ts'
import { rules as terraform } from './terraform.ts'
import { rules as thingsboard } from './thingsboard.ts'
import { rules as together } from './together.ts'
import { rules as truenas } from './truenas.ts'
import { rules as twilio } from './twilio.ts'
import { rules as twitch } from './twitch.ts'
import { rules as twitter } from './twitter.ts'
import { rules as typeform } from './typeform.ts'
import { rules as ubidots } from './ubidots.ts'
import { rules as url } from './url.ts'
import { rules as vault } from './vault.ts'
import { rules as vmware } from './vmware.ts'
import { rules as voiceflow } from './voiceflow.ts'
import { rules as wandb } from './wandb.ts'
import { rules as wireguard } from './wireguard.ts'
import { rules as xai } from './xai.ts'
import { rules as zoho } from './zoho.ts'

export const BUILTIN_RULES: readonly Rule[] = [
  ...adafruit,
  ...adobe,
  ...age,
  ...alibaba,
  ...android,
  ...anthropic,
  ...asanaAirtable,
  ...atlassian,
  ...aws,
  ...azure,
  ...beamer,
  ...bitbucket,
  ...buildkite,
  ...circleci,
  ...clickup,
  ...cloudflare,
  ...codeclimate,
  ...cohere,
  ...contentful,
  ...curl,
  ...database,
  ...databricks,
  ...datadog,
  ...deepseek,
  ...dependencyTrack,
  ...digitalocean,
  ...discord,
  ...docker,
  ...dotnet,
  ...doppler,
  ...dropbox,
  ...easypost,
  ...elevenlabs,
  ...envPassword,
  ...facebook,
  ...figma,
  ...fireworks,
  ...fleetbase,
  ...flexport,
  ...flyio,
  ...frameio,
  ...fullstory,
  ...gcp,
  ...generic,
  ...github,
  ...gitlab,
  ...gocardless,
  ...grafana,
  ...groq,
  ...heroku,
  ...http,
  ...hubspot,
  ...huggingface,
  ...infracost,
  ...intra42,
  ...ionic,
  ...jenkinsSetup,
  ...jfrog,
  ...jina,
  ...jwk,
  ...jwt,
  ...kubernetes,
  ...langsmith,
  ...linear,
  ...mailchimp,
  ...mailgun,
  ...mailsac,
  ...maxmind,
  ...microsoftTeams,
  ...mistral,
  ...mongodbAtlas,
  ...nats,
  ...netrc,
  ...newrelic,
  ...newrelicAdmin,
  ...nightfall,
  ...notion,
  ...npm,
  ...nuget,
  ...okta,
  ...onepassword,
  ...openai,
  ...openrouter,
  ...openshift,
  ...pagarme,
  ...passwordProse,
  ...pagerduty,
  ...particle,
  ...passwordHash,
  ...perplexity,
  ...pinecone,
  ...postmark,
  ...postman,
  ...privateKey,
  ...powershell,
  ...psexec,
  ...pypi,
  ...readme,
  ...replicate,
  ...rubygems,
  ...saasNamed,
  ...saasPrefixed,
  ...saasUuid,
  ...salesforce,
  ...scrapfly,
  ...segment,
  ...sendgrid,
  ...sentry,
  ...shopify,
  ...sidekiq,
  ...slack,
  ...snowflake,
  ...sonarqube,
  ...sourcegraph,
  ...sql,
  ...square,
  ...stripe,
  ...sumologic,
  ...supabase,
  ...tailscale,
  ...tavily,
  ...teamcity,
  ...teamwork,
  ...telegram,
  ...terraform,
  ...thingsboard,
  ...together,
  ...truenas,
  ...twilio,
  ...twitch,
  ...twitter,
  ...typeform,
  ...ubidots,
  ...url,
  ...vault,
  ...vmware,
  ...voiceflow,
  ...wandb,
  ...wireguard,
  ...xai,
  ...zoho
]
