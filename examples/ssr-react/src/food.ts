// A survey result as stored in KV under the food's name.
export type Food = {
  name: string;
  like: number;
  dislike: number;
};

export const FOODS = ["potato", "carrot", "tomato"] as const;
